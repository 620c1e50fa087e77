"""tda_nn.features"""
