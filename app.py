"""Diffusion Lab Playground: builds the Gradio app from playground.ui and launches it.

`python app.py` serves http://127.0.0.1:7860 with the embedded model (a Space sets the host and
port through GRADIO_SERVER_NAME / GRADIO_SERVER_PORT). Importing this file does nothing: tests
call build_app() with their own Lab.
"""
from __future__ import annotations

import os


def build_app(lab=None, preload: bool = False):
    """The gr.Blocks app with its queue configured; `lab` defaults to Lab() (embedded model).
    preload=True loads the model in the background while the page is served (on ZeroGPU, before
    it is served: playground.ui.shared.Labs.preload)."""
    if os.environ.get("SPACES_ZERO_GPU"):
        # ZeroGPU's package sets up CUDA for its forked GPU workers: it must be imported before
        # torch (which the UI's modules and the Lab import) touches CUDA.
        import spaces  # noqa: F401
    from playground.ui.layout import build_blocks

    return build_blocks(lab, preload)


if __name__ == "__main__":
    demo = build_app(preload=True)  # first: on ZeroGPU it imports `spaces` before anything else
    from playground.ui.layout import launch_kwargs

    demo.launch(**launch_kwargs())
