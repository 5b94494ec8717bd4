"""Lab's methods grouped as the course groups its lessons (docs/lessons.md): prompts.py,
samplers.py, conditioning.py, inside.py. Lab (playground/lab.py) inherits all four and adds the
model facts, loading, the shared settings, generate, batch, prior and compose."""
