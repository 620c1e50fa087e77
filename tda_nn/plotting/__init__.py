"""tda_nn.plotting"""
