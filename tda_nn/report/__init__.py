"""tda_nn.report"""
