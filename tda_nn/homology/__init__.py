"""tda_nn.homology"""
