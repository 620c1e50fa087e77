"""tda_nn.training"""
