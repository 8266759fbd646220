"""In-silico implantation of TF pairs (``satori-implant``): layout, inputs, the batched
screen and its statistics, one module each."""
