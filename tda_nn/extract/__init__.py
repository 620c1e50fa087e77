"""tda_nn.extract"""
