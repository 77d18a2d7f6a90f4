"""The private parts of ``zmq_stream``: wire format, workers, consumer, replicas."""
