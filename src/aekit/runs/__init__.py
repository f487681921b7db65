"""The run directory users keep: its files (`run`), its writer lock and manifest (`lock`), the
kinds of run it can hold (`kinds`), training any kind into it and resuming it (`training`), the
one way a run is finished (`finish`), the autoencoder run kind (`fit`), checks around a run
(`guards`), and the data a run reads back (`inputs`)."""
