"""Tools beside the app: they start it, load it, attack it and time it; the app never imports them.

    python -m tools.bench        # the engine: seconds per image, a batched grid against single calls
    python -m tools.app_bench    # the app as a student meets it: first page, triptych, grid, img2img
    python -m tools.load         # a class of gradio_client students against one server
    python -m tools.fuzz         # seeded odd uploads and malformed API payloads
    python -m tools.worst        # the heaviest single requests, timed, with the server's RSS
    python -m tools.limits_bench # the limits' timings: hostile text, refusals, an offline hub, the app

probe.py (start the app on loopback, read its RSS) and rawapi.py (raw HTTP calls to gradio's
queue) serve them; fuzz_files.py makes the odd files (the security tests use it too).
"""
