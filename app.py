"""Diffusion Lab Playground: builds the Gradio app from playground.ui and launches it.

`python app.py` serves http://127.0.0.1:7860 with the embedded model (a Space sets the host and
port through GRADIO_SERVER_NAME / GRADIO_SERVER_PORT). Importing this file does nothing: tests
call build_app() with their own Lab.
"""
from __future__ import annotations


def build_app(lab=None, preload: bool = False):
    """The gr.Blocks app with its queue configured; `lab` defaults to Lab() (embedded model).
    preload=True loads the model in the background while the page is served."""
    from playground.ui.layout import build_blocks

    return build_blocks(lab, preload)


if __name__ == "__main__":
    from playground.ui.layout import launch_kwargs

    build_app(preload=True).launch(**launch_kwargs())
