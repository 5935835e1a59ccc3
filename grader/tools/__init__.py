"""Development tools, run by make: `bench` (make bench), `bench_batch` (make bench-batch), `starter_notebook`
(make notebook). The grader itself never imports them.
"""
