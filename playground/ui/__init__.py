"""The Gradio layer: one module per tab (build_tab(labs, shared)), shared widgets in shared.py.

Only this package and app.py import gradio; the core (playground/*) never does.
"""
from __future__ import annotations


def build_blocks(lab=None, preload: bool = False):
    from playground.ui.layout import build_blocks as build
    return build(lab, preload)


def launch_kwargs() -> dict:
    from playground.ui.layout import launch_kwargs as kwargs
    return kwargs()
