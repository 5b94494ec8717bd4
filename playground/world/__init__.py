"""The procedural tiny world the embedded model is trained on: scenes, renderer, captions.

Nothing is computed on import; rendering and sampling are plain functions.
"""

from playground.world.vocab import ATTRIBUTES, EVAL_ATTRIBUTES, VALUES
from playground.world.scene import Scene, make_batch, sample_scene
from playground.world.render import render
from playground.world.captions import caption, parse_prompt, prompt_for
from playground.world.prompts import parse_details, scene_for_prompt

__all__ = ["ATTRIBUTES", "EVAL_ATTRIBUTES", "VALUES", "Scene", "sample_scene", "render",
           "caption", "parse_prompt", "prompt_for", "make_batch", "parse_details",
           "scene_for_prompt"]
