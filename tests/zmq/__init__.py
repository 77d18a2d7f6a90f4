"""Tests of zmq_stream and ZMQStreamer: streams served by worker processes."""
