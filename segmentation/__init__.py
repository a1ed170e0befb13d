"""Customer segmentation on top of kmeans_core (built in its own issue)."""
