"""The lab's exercises as pure functions: a PipelineManager and parameters in, panels out.

No module here imports gradio; playground.lab.Lab is the friendly front door to them.
"""
