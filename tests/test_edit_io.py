"""One I/O module: model files (edited or not), edit lists, histories, bad JSON."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import namwidgets
from namwidgets import EditSession, ModelFileError, NAMRegressor
from namwidgets.edit import (
    Edit,
    EditedModel,
    EditError,
    Knots,
    Scale,
    Zero,
    edits_from_json_list,
    edits_to_json_list,
)
from namwidgets.model import load_model, save_model


@pytest.fixture(scope="module")
def reg(fitted_regressor, additive_data):
    X, y = additive_data
    return fitted_regressor, X.iloc[:400], y.iloc[:400]


@pytest.fixture()
def session(reg):
    model, X, y = reg
    return EditSession(model, X, y)


def test_load_returns_an_edited_model_with_its_edits(tmp_path, reg):
    model, X, _ = reg
    edits = (
        Zero(feature="jagged"),
        Knots(feature="smooth", positions=(-1.0, 1.0), offsets=(0.5, -0.5)),
    )
    edited = EditedModel(model, edits)
    edited.save(tmp_path / "edited.nam")
    loaded = namwidgets.load(tmp_path / "edited.nam")
    assert type(loaded) is EditedModel and tuple(loaded.edits) == edits
    np.testing.assert_array_equal(loaded.predict(X), edited.predict(X))
    assert loaded.fingerprint() == edited.fingerprint()
    assert sorted(os.listdir(tmp_path)) == ["edited.nam"]


def test_load_returns_a_bare_model_as_saved(tmp_path, reg):
    model, X, _ = reg
    model.save(tmp_path / "m.nam")
    loaded = namwidgets.load(tmp_path / "m.nam")
    assert type(loaded) is NAMRegressor
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_an_edited_model_of_an_edited_model_saves_all_edits(tmp_path, reg):
    model, X, _ = reg
    inner = EditedModel(model, (Zero(feature="jagged"),))
    outer = EditedModel(inner, (Scale(feature="step", factor=0.5),))
    outer.save(tmp_path / "e.nam")
    loaded = namwidgets.load(tmp_path / "e.nam")
    assert loaded.estimator.fingerprint() == model.fingerprint()
    assert [e.kind for e in loaded.edits] == ["zero", "scale"]
    np.testing.assert_allclose(loaded.predict(X), outer.predict(X), atol=1e-12)


def test_load_model_refuses_an_edited_file(tmp_path, reg):
    model, _, _ = reg
    EditedModel(model, (Zero(feature="jagged"),)).save(tmp_path / "e.nam")
    with pytest.raises(ModelFileError, match=r"namwidgets\.load"):
        load_model(tmp_path / "e.nam")


def test_edits_that_do_not_fit_fail_the_load(tmp_path, reg):
    model, _, _ = reg
    path = tmp_path / "bad.nam"
    save_model(model, path, extra={"edits": [{"kind": "zero", "feature": "height"}]})
    with pytest.raises(ModelFileError, match="'height'"):
        namwidgets.load(path)
    save_model(model, path, extra={"edits": [{"kind": "scale", "feature": "step"}]})
    with pytest.raises(ModelFileError, match="factor"):
        namwidgets.load(path)


@pytest.mark.parametrize("where", ["directory", "empty", "no folder"])
def test_saving_to_a_bad_path_is_clean(tmp_path, reg, where, monkeypatch):
    model, _, _ = reg
    monkeypatch.chdir(tmp_path)
    path = {"directory": tmp_path, "empty": "", "no folder": tmp_path / "x" / "m"}[
        where
    ]
    edited = EditedModel(model, (Zero(feature="jagged"),))
    with pytest.raises(ModelFileError, match="Cannot save"):
        edited.save(path)
    with pytest.raises(ModelFileError, match="Cannot save"):
        namwidgets.edit.save(model, path)
    assert os.listdir(tmp_path) == []  # no stray .tmp


def test_one_serializer_for_edit_lists_histories_and_files(tmp_path, session, reg):
    model, _, _ = reg
    session.zero("jagged").scale("step", 2.0)
    items = edits_to_json_list(session.applied)
    history = json.loads(session.to_json())["history"]
    assert [d for action in history for d in action] == items
    session.to_model().save(tmp_path / "e.nam")
    from namwidgets.model import read_model_file

    _, extra = read_model_file(tmp_path / "e.nam")
    assert extra["edits"] == items
    assert edits_from_json_list(items) == session.applied


def test_term_is_a_readable_spelling_of_feature():
    assert Edit.from_dict({"kind": "zero", "term": "age"}) == Zero(feature="age")
    assert Zero(feature="age").term == "age"
    assert (
        Zero(feature="age").to_dict()["feature"] == "age"
    )  # old readers still read it
    with pytest.raises(EditError, match="two targets"):
        Edit.from_dict({"kind": "zero", "term": "age", "feature": "bmi"})


HUGE = "9" * 400


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["history"][0][0].update(factor=int(HUGE)),
        lambda d: d["history"][0][0].update(class_index=int(HUGE)),
        lambda d: d.update(position=int(HUGE)),
        lambda d: d.update(version=int(HUGE)),
    ],
)
def test_a_400_digit_integer_is_an_edit_error(session, mutate):
    session.scale("step", 2.0)
    doc = json.loads(session.to_json())
    mutate(doc)
    text = json.dumps(doc)
    assert HUGE in text
    before = session.predictions().copy()
    with pytest.raises(EditError):
        session.load_json(text)
    np.testing.assert_array_equal(session.predictions(), before)


@pytest.mark.parametrize("depth", [10_000, 200_000])
def test_deeply_nested_json_is_an_edit_error(session, depth):
    text = "[" * depth + "]" * depth
    with pytest.raises(EditError):
        session.load_json(text)
    doc = json.loads(session.to_json())
    nested = "[" * depth + "1" + "]" * depth
    text = json.dumps(doc).replace('"history": []', f'"history": [[{nested}]]')
    assert nested in text
    with pytest.raises(EditError):
        session.load_json(text)


def test_digits_beyond_pythons_limit_are_an_edit_error(session):
    doc = json.loads(session.to_json())
    text = json.dumps(doc).replace('"position": 0', '"position": ' + "1" * 5000)
    with pytest.raises(EditError, match="not valid JSON"):
        session.load_json(text)


def test_an_old_history_file_still_loads(session):
    old = {
        "format": "namwidgets-edits",
        "version": 1,
        "model_fingerprint": session.model.fingerprint(),
        "features": session.names,
        "position": 1,
        "history": [
            [{"kind": "zero", "feature": "jagged", "class_index": None, "message": ""}]
        ],
    }
    session.load_json(json.dumps(old))
    assert session.edited_features == ["jagged"]


def test_history_files_save_atomically_and_load(tmp_path, session, reg, monkeypatch):
    session.zero("jagged").scale("step", 0.5)
    session.save_history(tmp_path / "h.json")
    other = EditSession(session.model, reg[1])
    other.load_history(tmp_path / "h.json")
    np.testing.assert_array_equal(other.linear_predictor(), session.linear_predictor())
    monkeypatch.chdir(tmp_path)
    for bad in ("", tmp_path, tmp_path / "no" / "h.json"):
        with pytest.raises(ModelFileError, match="Cannot save the edit history"):
            session.save_history(bad)
    assert sorted(os.listdir(tmp_path)) == ["h.json"]
    with pytest.raises(ModelFileError, match="Cannot read"):
        other.load_history(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("[" * 100_000)
    with pytest.raises(EditError):
        other.load_history(tmp_path / "bad.json")


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "scale", "feature": "a", "factor": "x" * 1_000_000},
        {"kind": "scale", "feature": "a", "factor": [[[[[[[[1]]]]]]]]},
        {"kind": "scale", "feature": "a", "factor": int(HUGE)},
        {"kind": "9" * 100_000},
    ],
)
def test_messages_about_huge_values_stay_short(bad):
    with pytest.raises(EditError) as info:
        edits_from_json_list([bad])
    assert len(str(info.value)) < 300
