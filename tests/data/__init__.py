"""Tests of the data side: Streamer (core.py), Mux (mux.py) and the batch buffers (buffer.py)."""
