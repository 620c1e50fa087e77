"""Subcommands of the ``tda-nn`` command line, one module each (see ``tda_nn.cli``)."""
