"""One rule for "the same model" (core.names), and the entity index, the catalog, the cross-survey
merge and the model registry all following it."""
import pytest

from agent.model_loader.registry import ModelNotAllowed, find_spec
from answer.catalog import Catalog, CatalogEntry
from answer.cross_survey import same_name as merge_rule
import json

from core.names import NameFinder, closest_name, same_name
from core.settings import PROJECT_ROOT

SAME = [("LLaVA-Med", "llava med"), ("SAM 2", "SAMv2"), ("CLIPs", "CLIP"), ("Bio_ClinicalBERT", "Bio ClinicalBERT")]
DIFFERENT = [("SAM", "MedSAM"), ("MedSAM", "MedSAM2"), ("CLIP", "BiomedCLIP"), ("Polyp-SAM", "Polyp-SAM++"),
             ("μSAM", "SAM")]


def _entry(name: str) -> CatalogEntry:
    return CatalogEntry(name=name, doc="d.txt", doc_title="D", source=name, chunk_id=f"c-{name}")


def test_a_misspelling_finds_its_name_but_a_longer_or_shorter_model_never_does():
    assert closest_name("BiomedCLP", ["PubMedCLIP", "BiomedCLIP"]) == "BiomedCLIP"
    assert closest_name("SAMv2", ["SAM", "SAM 2"]) == "SAM 2"
    assert closest_name("MedSAM2", ["MedSAM"]) is None  # contains the other: another model
    assert closest_name("MedSAM", ["MedSAM2", "SAM"]) is None
    assert closest_name("", ["SAM"]) is None


@pytest.mark.parametrize("a, b", SAME + DIFFERENT)
def test_catalog_registry_and_merge_agree_with_the_one_rule(a, b):
    expected = (a, b) in SAME
    assert same_name(a, b) is expected and merge_rule(a, b) is expected
    catalog = Catalog([_entry(b)])
    assert bool(catalog.records(a)) is expected, "the catalog (lookup_model, about, compare) disagrees"


def test_the_model_registry_uses_the_same_rule():
    assert find_spec("bio clinicalbert").name == "Bio_ClinicalBERT"
    assert find_spec("openai/clip-vit-base-patch32").name == "CLIP"
    with pytest.raises(ModelNotAllowed):
        find_spec("MedSAM2")  # MedSAM is allowed; MedSAM2 is another model


def test_a_record_name_is_found_however_it_is_separated_but_not_inside_a_longer_name():
    pattern = NameFinder("SAM-Med2D", record=True)
    assert pattern.search("SAM Med2D and SAM-Med 2D both") and pattern.search("sam-med2d's results")
    assert not NameFinder("MedSAM", record=True).search("MedSAM2 improves on it")
    assert NameFinder("Pubmedclip", record=True).search("PubMedCLIP")  # a record name is never a plain word
    assert not NameFinder("Pubmedclip").search("PubMedCLIP")  # in running text a plain word keeps its case
    assert not NameFinder("SAM", record=True).search("sam")  # short names keep their case


def test_the_cheap_first_test_never_changes_what_the_regex_finds():
    names = ["SAM-Med2D", "MedSAM", "Pubmedclip", "SAM", "KiSAM", "μSAM", "LLaVA-Med", "Polyp-SAM++", "BiomedCLIP"]
    questions = [json.loads(line)["question"] for line in (PROJECT_ROOT / "data/eval/dev.jsonl").open(encoding="utf-8")]
    texts = questions + ["KİSAM and ſam", "\u212aiSAM", "sam med2d", "μsam", "ΜSAM", "Polyp SAM ++", "llava med's"]
    for name in names:
        for record in (False, True):
            finder = NameFinder(name, record)
            for text in texts:
                assert bool(finder.search(text)) == bool(finder.pattern.search(text)), (name, record, text)
