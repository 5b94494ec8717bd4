"""The procedural tiny world the embedded model knows: its prior tables, scenes and prompts.

This is what the app needs at run time (the seed grid's prior check, the attribute
classifier, the text encoder). The model's build side (renderer, captions, training,
evaluation) lives in the separate `workshop` package, which imports this one and is never
imported by it. Nothing is computed on import; sampling and parsing are plain functions.
"""

from playground.world.vocab import ATTRIBUTES, EVAL_ATTRIBUTES, VALUES
from playground.world.scene import Scene, sample_scene
from playground.world.parse import parse_details, parse_prompt, scene_for_prompt

__all__ = ["ATTRIBUTES", "EVAL_ATTRIBUTES", "VALUES", "Scene", "sample_scene", "parse_prompt",
           "parse_details", "scene_for_prompt"]
