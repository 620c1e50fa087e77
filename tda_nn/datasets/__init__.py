"""tda_nn.datasets"""
