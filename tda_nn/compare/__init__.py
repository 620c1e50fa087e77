"""tda_nn.compare"""
