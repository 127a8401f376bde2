"""The index records every setting that shapes it, and only those of its own FAISS index type."""
from core.manifest import shaping_settings
from core.settings import load_settings


def test_hnsw_and_ivf_parameters_shape_only_their_own_index_type():
    flat, hnsw, ivf = (load_settings(index_type=kind, hnsw_m=16, ivf_nlist=64) for kind in ("flat", "hnsw", "ivf"))
    assert "hnsw_m" not in shaping_settings(flat) and "ivf_nlist" not in shaping_settings(flat)
    assert shaping_settings(hnsw)["hnsw_m"] == "16" and "ivf_nlist" not in shaping_settings(hnsw)
    assert shaping_settings(ivf)["ivf_nlist"] == "64" and "hnsw_m" not in shaping_settings(ivf)
    assert shaping_settings(flat)["embedding_model"] == flat.embedding_model
