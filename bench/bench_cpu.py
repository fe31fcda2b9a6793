"""The CPU time of each request, for bench/signed_in.py: the outermost middleware, put in by
bench.bench_settings only when BENCH_CPU_HEADER is set (never in production), adds the process's
CPU time (user + system) spent between the request entering Django and the response leaving it
as ``X-Bench-Cpu-Us``, which the bench's wrk script sums."""

import time


def cpu_time(get_response):
    def middleware(request):
        started = time.process_time()
        response = get_response(request)
        response["X-Bench-Cpu-Us"] = str(round((time.process_time() - started) * 1_000_000))
        return response

    return middleware
