"""What is measured: the raw-SDK baselines, OneLogger's set-ups, and the rows that run as their own processes
(memory, import time, throughput to the collector, caller stall, the PyTorch training loop)."""
