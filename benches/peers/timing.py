"""The loop every peer program times, printed as the benches read it: one untimed step (so that
compilation and first-call costs stay outside), then the seconds of `steps` steps, then `steps`."""
import time


def time_steps(step, steps):
    step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    print(time.perf_counter() - t0)
    print(steps)
