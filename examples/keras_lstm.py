"""Seed 004: Keras LSTM sequence AE on GunPoint series.

Preset `keras-lstm`: Keras blog's sequence-to-sequence AE: LSTM reader, code repeated over time
(RepeatVector), LSTM writer; here LSTM 64 -> code 8 on UCR GunPoint (--data
.../timeseries/GunPoint_TRAIN.ts), MSE, Adam 3e-3, batch 16, 100 epochs.
Run: python examples/keras_lstm.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("keras-lstm", __doc__)
