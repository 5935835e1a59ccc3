"""Read and run: a submission file in, what its confined child reported out (RunOutcome: plain messages). Grader
side: submission, launch, sandbox, forkserver; child side: child, confine (kernel, landlock, seccomp), probe, wire.
Import-free: the confined child imports this package, and must load nothing it does not need.
"""
