"""`make bench`: throughput, API efficiency, memory and warehouse speed, with peers in the same run.

Not unit tests: each benchmark starts the sandbox in its own process and runs every contender in a
child process of its own, so peak RSS and wall time belong to that contender alone.
"""
