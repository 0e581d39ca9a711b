"""Raw-record serving: the encoder that travels with each model (`encoder`, a self-contained
script) and its artifact (`artifact`)."""
