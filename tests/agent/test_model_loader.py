"""Model loader: tiny checkpoints built here go through the real registry, loading and demo code."""
import os

os.environ["HF_HUB_OFFLINE"] = "1"

import json
import string
import time
from pathlib import Path

import pytest
import torch
from PIL import Image

from agent.model_loader import (
    REGISTRY,
    ModelLoadError,
    ModelNotAllowed,
    WeightsMissing,
    clear_cache,
    find_spec,
    load,
    make_demo_tool,
    pattern_image,
    run_demo,
    status,
    weights_location,
)
from agent.model_loader import loading

CHARS = list(string.ascii_lowercase + string.digits + "-.,")


def _bert(folder: Path) -> None:
    from transformers import BertConfig, BertModel, BertTokenizerFast

    words = ["chest", "x", "ray", "brain", "mri", "lung", "stock", "market"]
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *CHARS, *("##" + c for c in CHARS), *words]
    tokenizer = BertTokenizerFast(vocab={t: i for i, t in enumerate(tokens)})
    config = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
                        vocab_size=len(tokens), max_position_embeddings=64)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def _clip(folder: Path, with_processor: bool = True) -> None:
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizerFast

    tokens = ["<|startoftext|>", "<|endoftext|>", *CHARS, *(c + "</w>" for c in CHARS)]
    tokenizer = CLIPTokenizerFast(vocab={t: i for i, t in enumerate(tokens)}, merges=[])
    tiny = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=2)
    config = CLIPConfig(
        text_config=dict(tiny, vocab_size=len(tokens), max_position_embeddings=64,
                         bos_token_id=0, eos_token_id=1, pad_token_id=1),
        vision_config=dict(tiny, image_size=32, patch_size=8), projection_dim=16)
    CLIPModel(config).save_pretrained(folder)
    if with_processor:
        images = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
        CLIPProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(folder)
    else:
        tokenizer.save_pretrained(folder)


def _vit(folder: Path) -> None:
    from transformers import ViTConfig, ViTImageProcessor, ViTModel

    ViTModel(ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
                       image_size=32, patch_size=8)).save_pretrained(folder)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)


def _resnet(folder: Path) -> None:  # no processor config: the loader's plain resize/normalise is used
    from transformers import ResNetConfig, ResNetModel

    ResNetModel(ResNetConfig(embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1],
                             layer_type="basic")).save_pretrained(folder)


def _sam(folder: Path) -> None:
    from transformers import SamConfig, SamImageProcessorPil, SamModel, SamProcessor

    config = SamConfig(
        vision_config=dict(hidden_size=32, output_channels=16, num_hidden_layers=2, num_attention_heads=2,
                           image_size=64, patch_size=8, window_size=4, global_attn_indexes=[1],
                           num_pos_feats=8, mlp_dim=64),
        prompt_encoder_config=dict(hidden_size=16, image_size=64, patch_size=8, mask_input_channels=4),
        mask_decoder_config=dict(hidden_size=16, mlp_dim=32, num_hidden_layers=2, num_attention_heads=2,
                                 iou_head_hidden_dim=16))
    SamModel(config).save_pretrained(folder)
    images = SamImageProcessorPil(size={"longest_edge": 64}, pad_size={"height": 64, "width": 64})
    SamProcessor(image_processor=images).save_pretrained(folder)


@pytest.fixture(autouse=True)
def empty_hf_cache(tmp_path, monkeypatch):
    """Keep a real Hugging Face cache on the machine out of every test."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    for name, build in [("PubMedBERT", _bert), ("BiomedCLIP", _clip), ("PubMedCLIP", lambda d: _clip(d, False)),
                        ("ViT", _vit), ("ResNet-50", _resnet), ("SAM", _sam)]:
        build(root / name)
    return root


@pytest.fixture(scope="module")
def xray_png(tmp_path_factory):
    path = tmp_path_factory.mktemp("images") / "cxr.png"
    pattern_image("synthetic", 48).resize((60, 40)).save(path)
    return path


def _assert_sorted(scores):
    values = [score for _, score in scores]
    assert values == sorted(values, reverse=True)


def test_find_spec_ignores_case_dashes_and_spaces():
    assert find_spec("biomed clip").name == "BiomedCLIP"
    assert find_spec("bio-clinicalbert").name == "Bio_ClinicalBERT"
    assert find_spec("ClinicalBERT").name == "Bio_ClinicalBERT"
    assert find_spec("resnet_50").name == "ResNet-50"
    assert find_spec("microsoft/resnet-50").name == "ResNet-50"
    keys = [k.lower().replace("-", "").replace("_", "").replace(" ", "")
            for s in REGISTRY for k in (s.name, s.hub_id, *s.aliases)]
    assert len(keys) == len(set(keys)), "registry names and aliases must be unambiguous"


def test_unknown_name_is_refused_with_the_allowlist(model_dir):
    with pytest.raises(ModelNotAllowed, match="allowed: all-MiniLM-L6-v2, PubMedBERT"):
        find_spec("gpt-4")
    result = run_demo("evil/remote-code-model", text="hi", model_dir=model_dir)
    assert not result.ok and "BiomedCLIP" in result.message and "MedSAM" in result.message


def test_shipped_minilm_end_to_end(model_dir):
    labels = ["the stock market fell today", "a chest radiograph showing lung infection", "a recipe for cake"]
    result = run_demo("all-minilm-l6-v2", text="chest x-ray pneumonia", labels=labels, model_dir=model_dir)
    assert result.ok and result.family == "sentence-transformers"
    _assert_sorted(result.scores)
    assert result.scores[0][0] == "a chest radiograph showing lung infection"
    assert result.details["embedding_dim"] == 384
    json.dumps(result.to_dict())


def test_tiny_bert_text_encoder(model_dir):
    result = run_demo("PubMedBERT", text="chest x-ray", model_dir=model_dir)
    assert result.ok and result.family == "bert", result.message
    assert len(result.scores) == 5 and result.details["embedding_dim"] == 32
    _assert_sorted(result.scores)
    long_text = run_demo("PubMedBERT", text="lung " * 300, labels=["brain " * 300, "x"], model_dir=model_dir)
    assert long_text.ok and len(long_text.scores) == 2  # truncated to the 64 position embeddings


def test_long_clip_labels_are_truncated(model_dir):
    assert run_demo("BiomedCLIP", labels=["chest " * 100, "mri"], model_dir=model_dir).ok


def test_tiny_clip_zero_shot_on_synthetic_and_file_image(model_dir, xray_png):
    synthetic = run_demo("BiomedCLIP", model_dir=model_dir)
    assert synthetic.ok, synthetic.message
    assert "synthetic test image" in synthetic.message
    assert {label for label, _ in synthetic.scores} == {"a chest X-ray", "a brain MRI", "a histopathology slide",
                                                        "a fundus photograph"}
    assert sum(score for _, score in synthetic.scores) == pytest.approx(1, abs=1e-3)
    given = run_demo("biomedclip", image=str(xray_png), labels=["lung", "brain"], model_dir=model_dir)
    assert given.ok and str(xray_png) in given.message and len(given.scores) == 2
    _assert_sorted(given.scores)


def test_clip_without_processor_config_falls_back_to_parts(model_dir):
    result = run_demo("PubMedCLIP", image=Image.new("RGB", (50, 70), "white"), labels=["a", "b", "c"],
                      model_dir=model_dir)
    assert result.ok, result.message
    assert len(result.scores) == 3


@pytest.mark.parametrize("name, feature_shape", [("ViT", [17, 32]), ("ResNet-50", [16, 28, 28])])
def test_tiny_image_encoders(model_dir, xray_png, name, feature_shape):
    result = run_demo(name, image=xray_png, model_dir=model_dir)
    assert result.ok, result.message
    assert result.details["feature_shape"] == feature_shape
    assert result.details["embedding_norm"] > 0
    assert [label for label, _ in result.scores] != [] and len(result.scores) == 3
    _assert_sorted(result.scores)


def test_tiny_sam_segments_centre_box(model_dir, xray_png):
    result = run_demo("segment anything", image=xray_png, model_dir=model_dir)
    assert result.ok, result.message
    assert 0 <= result.details["mask_area_fraction"] <= 1
    assert result.details["box"] == [15.0, 10.0, 45.0, 30.0]
    overlay = Image.open(result.image_path)
    assert overlay.format == "PNG" and overlay.size == (60, 40)
    Path(result.image_path).unlink()


def test_missing_weights_say_which_files_go_where(tmp_path):
    (tmp_path / "models" / "MedSAM").mkdir(parents=True)
    (tmp_path / "models" / "MedSAM" / "open_clip_config.json").write_text("{}")
    result = run_demo("MedSAM", model_dir=tmp_path / "models")
    assert not result.ok and "has no config.json" in result.message
    assert str(tmp_path / "models" / "MedSAM") in result.message
    assert "config.json" in result.message and "model.safetensors" in result.message
    assert "wanglab/medsam-vit-base" in result.message
    with pytest.raises(WeightsMissing):
        load(find_spec("CLIP"), tmp_path / "models")


def test_hugging_face_cache_snapshot_is_found(tmp_path, monkeypatch):
    repo = tmp_path / "hf-home" / "hub" / "models--dmis-lab--biobert-v1.1"
    _bert(repo / "snapshots" / "abc123")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    monkeypatch.delenv("HF_HUB_CACHE")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    assert weights_location(find_spec("BioBERT"), tmp_path / "models") == repo / "snapshots" / "abc123"
    assert run_demo("biobert", text="lung", model_dir=tmp_path / "models").ok


def test_status_is_honest(model_dir):
    rows = {spec.name: (runnable, where) for spec, runnable, where in status(model_dir)}
    assert rows["PubMedBERT"] == (True, str(model_dir / "PubMedBERT"))
    assert rows["all-MiniLM-L6-v2"][0] is True
    assert rows["MedSAM"][0] is False and "not found" in rows["MedSAM"][1]
    assert len(rows) == len(REGISTRY)


def test_memory_guard_refuses_oversize_and_pickle_only(tmp_path, model_dir):
    with pytest.raises(ModelLoadError, match="over the memory limit"):
        load(find_spec("ViT"), model_dir, max_weight_bytes=1_000)
    pickled = tmp_path / "BioBERT"
    _bert(pickled)
    (pickled / "model.safetensors").rename(pickled / "pytorch_model.bin")
    result = run_demo("BioBERT", text="lung", model_dir=tmp_path)
    assert not result.ok and "pickled .bin" in result.message


@pytest.mark.parametrize("pickled", ["2_Dense/pytorch_model.bin", "optimizer.pt", "ckpt/last.ckpt", "rng_state.pth", "x.pkl"])
def test_a_pickle_format_file_anywhere_in_the_model_is_refused(tmp_path, pickled):
    import shutil

    from index.embeddings import resolve_model_path

    folder = tmp_path / "all-MiniLM-L6-v2"
    shutil.copytree(resolve_model_path("all-MiniLM-L6-v2"), folder, copy_function=os.symlink)
    (folder / pickled).parent.mkdir(exist_ok=True)
    torch.save({"linear.weight": torch.zeros(2, 2)}, folder / pickled)
    with pytest.raises(ModelLoadError, match=f"{folder / pickled} holds pickled"):
        load(find_spec("all-MiniLM-L6-v2"), tmp_path)
    assert not run_demo("all-MiniLM-L6-v2", text="lung", model_dir=tmp_path).ok


def test_load_times_out(tmp_path, monkeypatch):
    _bert(tmp_path / "Bio_ClinicalBERT")
    monkeypatch.setitem(loading._LOADERS, "bert", lambda path: time.sleep(2))
    with pytest.raises(ModelLoadError, match="timed out after 0.2 s"):
        load(find_spec("Bio_ClinicalBERT"), tmp_path, timeout_s=0.2)


def test_lru_cache_keeps_two_models(model_dir):
    clear_cache()
    first = load(find_spec("PubMedBERT"), model_dir)
    assert load(find_spec("pubmedbert"), model_dir) is first
    load(find_spec("ViT"), model_dir)
    load(find_spec("ResNet-50"), model_dir)
    assert load(find_spec("PubMedBERT"), model_dir) is not first


def test_bad_image_path_is_reported_not_raised(model_dir, tmp_path):
    result = run_demo("ViT", image=tmp_path / "missing.png", model_dir=model_dir)
    assert not result.ok and "image not found" in result.message


def test_demo_tool_summarises(model_dir, xray_png):
    tool = make_demo_tool(model_dir)
    assert tool.name == "demo_model" and "image file path" in tool.description
    text = tool.invoke({"name": "all-MiniLM-L6-v2", "input": "chest x-ray pneumonia"})
    assert text.splitlines()[1].startswith("Top: a chest radiograph")
    image = tool.invoke({"name": "BiomedCLIP", "input": f"{xray_png}; a lung; a brain"})
    assert str(xray_png) in image and "a lung = " in image and "a brain = " in image
    segmented = tool.invoke({"name": "SAM", "input": str(xray_png)})
    assert "mask_area_fraction=" in segmented
    Path(segmented.split("Mask overlay: ")[1].splitlines()[0]).unlink()
    assert tool.invoke({"name": "llama", "input": ""}).startswith("Could not demo llama: 'llama' is not an allowed")
