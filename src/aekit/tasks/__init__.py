"""What users do with a trained autoencoder: classify with few labels, and more to come."""
