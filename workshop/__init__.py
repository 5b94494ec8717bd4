"""The embedded model's workshop: how models/tiny-world is built and measured.

The renderer and caption writer of the procedural tiny world, its training data, the
training of the VAE, UNet, ControlNets and attribute classifier, and the evaluation:

    python -m workshop.train [--smoke]            # the model (workshop/train.py)
    python -m workshop.classifier_train [--quick] # the attribute classifier
    python -m workshop.captioner_train [--quick] [--evaluate]  # the temperature lab's caption model
    python -m workshop.evaluate [--quick]         # the figures of the model card
    python -m workshop.model --init-random        # random weights in the shipped layout

It imports `playground` (the world's vocabulary, scenes and prompt parser in
playground.world, the detectors, and the app's Lab, which the evaluation generates through);
`playground` never imports it, and a Space running the app does not need it.
"""
