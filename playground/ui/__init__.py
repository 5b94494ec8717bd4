"""The Gradio layer: one module per tab (build_tab(labs, shared, ex)), the exercise list in
catalog.py, the page in layout.py, shared widgets in shared.py.

Only this package and app.py import gradio; the core (playground/*) never does. Importing
this package imports nothing: app.py imports playground.ui.layout when it builds the page.
"""
