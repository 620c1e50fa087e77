"""tda_nn.io"""
