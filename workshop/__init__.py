"""The embedded model's workshop: how models/tiny-world is built and measured.

The renderer and caption writer of the procedural tiny world, its training data, the
training of the VAE, UNet, ControlNets, decoder, attribute classifier and caption model, and
the evaluation:

    python -m workshop.recipe [--run --out DIR [--tiny]]  # the commands that made every shipped file
    python -m workshop.train [--smoke] [--parts ...]      # the image model (workshop/train.py)
    python -m workshop.train --parts decoder [--export]   # the sharper decoder, resumable
    python -m workshop.classifier_train [--quick]         # the attribute classifier
    python -m workshop.captioner_train [--quick] [--evaluate]  # the temperature lab's caption model
    python -m workshop.evaluate [--model DIR] [--quick] [--sections world,sharp,sketch,lessons]
    python -m workshop.pad_sketches                       # the card's sketch-pad drawings (chromium)
    python -m workshop.model --init-random                # random weights in the shipped layout

It imports `playground` (the world's vocabulary, scenes and prompt parser in
playground.world, the detectors, and the app's Lab, which the evaluation generates through);
`playground` never imports it, and a Space running the app does not need it.
"""
