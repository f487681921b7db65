"""The run directory users keep: its files (`run`), its writer lock (`lock`), the data a run
reads back (`inputs`), and training an autoencoder run into it (`fit`)."""
