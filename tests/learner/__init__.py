"""Tests of StreamLearner: training, monitoring, errors, and streams in scikit-learn searches."""
