"""Anomaly detection: one detector base (`base`) and its kinds, one autoencoder and a score
(`reconstruction`), the ensemble default for tables (`ensemble`) and the image default (`image`);
the user-facing detector that picks a kind (`detector`); point scores of a long series from a
trained run's windows (`series`) or, with nothing trained, from its discords
(`series_detector`, by the nearest-neighbour distances of `discord`); and what `aekit detect`
reads (`inputs`) and finds (`detection`)."""
