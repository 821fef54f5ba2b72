"""gdsim: a terminal lab for derivatives, gradient descent and minibatch SGD.

The core modules (expressions, optimizers, engines, data) compute and never print;
gdsim.cli and gdsim.render turn their results into tables, plots and machine formats.
"""

__version__ = "0.1.0"
