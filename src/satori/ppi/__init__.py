"""Known protein-protein interactions: PSI-MITAB reading (``mitab``), the HIPPIE download
(``download``) and the lookup of predicted TF pairs with an enrichment test (``lookup``)."""
