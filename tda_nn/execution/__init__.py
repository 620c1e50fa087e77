"""tda_nn.execution"""
