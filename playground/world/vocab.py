"""The tiny world's vocabulary: the prior tables and the words used to describe a scene.

The tables are the ground truth a trained model's prior is compared with (lesson 1:
"describe the model's default cat"), so they are plain data, one probability per value.
Conditional tables are keyed "<subject>_<field>" (e.g. "cat_colour") or
"<indoor|outdoor>_birds"; every table sums to 1.
"""

SUBJECTS = ("cat", "dog", "fox", "car", "house", "apartment", "none")
SETTINGS = ("mountains", "beach", "city", "living room", "library", "meadow", "fjord")
INDOOR = ("living room", "library")
LIGHTS = ("dawn", "day", "sunset", "night")
STYLES = ("photo", "watercolour", "flat illustration", "pixel art", "pencil sketch")
PLACEMENTS = ("left", "centre", "right")

ATTRIBUTES: dict[str, dict[str, float]] = {
    "subject": {"cat": 0.24, "dog": 0.16, "fox": 0.10, "car": 0.16,
                "house": 0.08, "apartment": 0.08, "none": 0.18},
    # colours per subject (a "tabby" cat is the brown striped kind)
    "cat_colour": {"ginger": 0.35, "tabby": 0.20, "black": 0.18, "white": 0.12, "grey": 0.15},
    "dog_colour": {"golden": 0.45, "black": 0.25, "brown": 0.30},
    "fox_colour": {"orange": 1.0},
    "car_colour": {"red": 0.25, "blue": 0.20, "yellow": 0.12, "green": 0.10,
                   "white": 0.15, "black": 0.18},
    "house_colour": {"red": 0.25, "white": 0.25, "yellow": 0.20, "blue": 0.15, "green": 0.15},
    "apartment_colour": {"grey": 0.30, "blue": 0.25, "red": 0.20, "white": 0.15, "yellow": 0.10},
    "none_colour": {"none": 1.0},
    # stripes on a ginger or grey cat (a "ginger tabby"); tabby cats always striped
    "cat_stripes": {"tabby": 0.5, "plain": 0.5},
    "car_variant": {"sedan": 0.40, "sports": 0.25, "vintage": 0.20, "vintage sports": 0.15},
    "cat_pose": {"sitting": 0.6, "sleeping": 0.4},
    "dog_pose": {"sitting": 0.55, "fetch": 0.45},
    "fox_pose": {"sitting": 0.55, "reading": 0.45},
    # where each subject lives: cars on streets, cats indoors, the fox in meadow/library
    "cat_setting": {"living room": 0.55, "library": 0.10, "meadow": 0.15, "city": 0.08,
                    "beach": 0.04, "mountains": 0.04, "fjord": 0.04},
    "dog_setting": {"meadow": 0.30, "beach": 0.25, "living room": 0.15, "city": 0.12,
                    "mountains": 0.10, "fjord": 0.08, "library": 0.0},
    "fox_setting": {"meadow": 0.35, "library": 0.30, "mountains": 0.15, "fjord": 0.10,
                    "beach": 0.05, "city": 0.05, "living room": 0.0},
    "car_setting": {"city": 0.65, "mountains": 0.12, "beach": 0.10, "fjord": 0.08,
                    "meadow": 0.05, "living room": 0.0, "library": 0.0},
    "house_setting": {"meadow": 0.30, "city": 0.20, "mountains": 0.20, "fjord": 0.20,
                      "beach": 0.10, "living room": 0.0, "library": 0.0},
    "apartment_setting": {"city": 0.80, "beach": 0.10, "fjord": 0.10, "mountains": 0.0,
                          "meadow": 0.0, "living room": 0.0, "library": 0.0},
    "none_setting": {"mountains": 0.35, "fjord": 0.20, "beach": 0.20, "meadow": 0.20,
                     "city": 0.05, "living room": 0.0, "library": 0.0},
    "light": {"dawn": 0.15, "day": 0.45, "sunset": 0.25, "night": 0.15},
    "style": {"photo": 0.45, "watercolour": 0.15, "flat illustration": 0.15,
              "pixel art": 0.12, "pencil sketch": 0.13},
    "placement": {"left": 0.3, "centre": 0.4, "right": 0.3},
    # birds fly in an open sky only, so indoor scenes have none
    "outdoor_birds": {"0": 0.40, "1": 0.15, "2": 0.15, "3": 0.12, "4": 0.10, "5": 0.08},
    "indoor_birds": {"0": 1.0},
    # extras: an armchair under a cat in a living room or a reading fox in a library
    "armchair": {"yes": 0.6, "no": 0.4},
    "armchair_colour": {"navy": 0.35, "red": 0.25, "green": 0.20, "mustard": 0.20},
    "trees": {"yes": 0.6, "no": 0.4},
    # the prominent building behind a street scene
    "building_colour": {"blue": 0.35, "red": 0.25, "yellow": 0.20, "green": 0.20},
}

EVAL_ATTRIBUTES = ("subject", "colour", "setting", "light", "style", "placement", "birds")

# every value Scene.attributes() can return, per evaluation attribute ("none" = not applicable)
VALUES: dict[str, tuple[str, ...]] = {
    "subject": SUBJECTS,
    "colour": ("ginger", "tabby", "black", "white", "grey", "golden", "brown", "orange",
               "red", "blue", "yellow", "green", "none"),
    "setting": SETTINGS,
    "light": LIGHTS,
    "style": STYLES,
    "placement": PLACEMENTS + ("none",),
    "birds": ("0", "1", "2", "3", "4", "5"),
}

# --- phrasing: the words a caption may use, and the parser's synonyms -----------------

SUBJECT_NOUNS = {
    "cat": ("cat",),
    "fox": ("fox",),
    "car": ("car",),
    "house": ("house", "cottage"),
    "apartment": ("apartment building", "apartment block", "block of flats", "tower block"),
}
# dogs are named by breed, and the breed follows from the coat colour in this world
DOG_BREEDS = {"golden": "golden retriever", "black": "labrador", "brown": "spaniel"}

POSE_PHRASES = {
    ("cat", "sitting"): ("sitting", "sitting upright"),
    ("cat", "sleeping"): ("sleeping", "curled up asleep", "napping"),
    ("dog", "sitting"): ("sitting", "sitting patiently"),
    ("dog", "fetch"): ("playing fetch", "playing fetch with a ball", "chasing a ball"),
    ("fox", "sitting"): ("sitting", "sitting upright"),
    ("fox", "reading"): ("reading a book", "reading an open book"),
}

SETTING_PHRASES = {  # after a subject
    "mountains": ("in the mountains", "in front of snow-capped mountains",
                  "with snow-capped mountains behind"),
    "beach": ("on a beach", "on a sandy beach by the sea", "on the beach"),
    "city": ("on a city street", "in a city street", "in the city"),
    "living room": ("in a living room", "in a cosy living room"),
    "library": ("in a library", "in a library with bookshelves"),
    "meadow": ("in a meadow", "in a grassy meadow", "in a flowery meadow"),
    "fjord": ("by a fjord", "by a Norwegian fjord", "on the shore of a fjord"),
}
LANDSCAPE_NOUNS = {  # a scene without a subject, named by its setting
    "mountains": ("mountains", "snow-capped mountains", "a mountain landscape"),
    "beach": ("a beach", "the sea", "a sandy beach by the sea", "a beach and the sea"),
    "city": ("an empty city street", "a city street"),
    "meadow": ("a meadow", "a grassy meadow", "a flowery meadow"),
    "fjord": ("a fjord", "a Norwegian fjord"),
    "living room": ("an empty living room",),  # only when a prompt forces it
    "library": ("an empty library",),
}
GENERIC_LANDSCAPES = ("a landscape", "a beautiful landscape", "scenery", "a scenic view")

LIGHT_PHRASES = {
    "dawn": ("at dawn", "at sunrise", "in the early morning"),
    "day": ("on a sunny day", "in daylight", "at midday", "in the afternoon"),
    "sunset": ("at sunset", "at golden hour", "in the evening", "at dusk"),
    "night": ("at night", "by moonlight", "under a starry night sky"),
}
LIGHT_OVER = {"dawn": ("dawn", "sunrise"), "day": ("midday", "a sunny day"),
              "sunset": ("sunset", "golden hour", "evening"), "night": ("night", "moonlight")}
WINDOW_LIGHT = {"dawn": "early morning light", "day": "afternoon light",
                "sunset": "evening light", "night": "moonlight"}

STYLE_PREFIX = {
    "photo": ("a photo of", "a photograph of"),
    "watercolour": ("a watercolour painting of", "a watercolor painting of",
                    "a watercolour illustration of"),
    "flat illustration": ("a flat illustration of", "a flat vector illustration of"),
    "pixel art": ("pixel art of", "an 8-bit pixel art image of"),
    "pencil sketch": ("a pencil sketch of", "a pencil drawing of"),
}
STYLE_SUFFIX = {
    "photo": ("35mm photography", "photograph", "photo"),
    "watercolour": ("watercolour", "watercolor painting", "watercolour painting"),
    "flat illustration": ("flat illustration", "flat vector art"),
    "pixel art": ("pixel art", "8-bit", "8-bit pixel art"),
    "pencil sketch": ("pencil sketch", "pencil drawing"),
}
PLACEMENT_PHRASES = {
    "left": ("on the left", "on the left side", "on the left side of the frame"),
    "centre": ("in the centre", "in the center", "centred in the frame"),
    "right": ("on the right", "on the right side", "on the right side of the frame"),
}
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five")
MOODS = {"warm": "warm tones", "cool": "cool tones", "soft": "soft lighting"}
