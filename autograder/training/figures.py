"""The figures of the reference runs: what the data look like, what the models learned, where they fail.

Each ``*_figure`` function takes plain arrays or run records and returns a matplotlib ``Figure``, so
the book draws the record-based ones at build time with the same code. The reference command
(:mod:`.reference`) calls :func:`draw_reference_figures`, which also draws the ones that need the
images and the trained weights, and saves all of them as small PNGs next to the results, so that
the book shows them without the data.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure
from PIL import Image

from .trainer import load_checkpoint, predict_probabilities

FIGURES = {
    "thumbnails": "figures/thumbnails.png",
    "linear_templates": "figures/linear_templates.png",
    "train_vs_val": "figures/train_vs_val.png",
    "confusion": "figures/confusion.png",
    "misclassified": "figures/misclassified.png",
}
THUMBNAIL_SIZE = 64       # the largest thumbnail the data's licence note allows us to commit
THUMBNAILS_PER_CLASS = 4
GALLERY_SIZE = 18


def data_credit(data: dict) -> str:
    """Where the images come from, for figure titles: credited photographs or the stand-in."""
    if data["is_synthetic"]:
        return "synthetic stand-in (generated textures, not ImageNet)"
    if data["source"] == "imagenette":
        return "photographs: Imagenette (fast.ai), a subset of ImageNet (ILSVRC-2012)"
    return "photographs: ImageNet (ILSVRC-2012)"


def short_name(name: str) -> str:
    """A class name on at most two short lines (for tick labels and titles)."""
    return name.replace(" (synthetic)", "\n(synthetic)")


def image_grid(rows: int, columns: int, image_px: int, cell_width_px: int, cell_height_px: int,
               top_px: int, bottom_px: int, dpi: int = 100) -> tuple[Figure, np.ndarray]:
    """A figure of rows x columns empty axes laid out in pixels, each ``image_px`` square, so that an
    image of that size is drawn pixel for pixel (never enlarged) when saved at ``dpi``.

    Each axes sits at the bottom centre of its cell; the rest of the cell is room for its title.
    Returns (figure, axes (rows, columns) of ``Axes``).
    """
    width, height = columns * cell_width_px, top_px + rows * cell_height_px + bottom_px
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    axes = np.empty((rows, columns), dtype=object)
    for row in range(rows):
        for column in range(columns):
            left = column * cell_width_px + (cell_width_px - image_px) / 2
            bottom = bottom_px + (rows - 1 - row) * cell_height_px
            axes[row, column] = fig.add_axes((left / width, bottom / height, image_px / width, image_px / height))
            axes[row, column].set_axis_off()
    return fig, axes


def thumbnails_figure(images: np.ndarray, labels: np.ndarray, class_names: list[str], credit: str,
                      per_class: int = THUMBNAILS_PER_CLASS) -> Figure:
    """A grid of ``per_class`` images of every class, one class per column, each drawn at its own size.

    images (N, S, S, 3) uint8 with S <= 64; labels (N,) ints in [0, len(class_names)).
    """
    size = images.shape[1]
    fig, axes = image_grid(per_class, len(class_names), size, size + 14, size + 4, top_px=26, bottom_px=18)
    for column, name in enumerate(class_names):
        examples = images[labels == column][:per_class]
        for row, image in enumerate(examples):
            axes[row, column].imshow(image, interpolation="nearest")
        axes[0, column].set_title(short_name(name), fontsize=6)
    fig.text(0.5, 0.01, credit, ha="center", va="bottom", fontsize=7)
    return fig


def linear_templates_figure(weight: np.ndarray, image_size: int, class_names: list[str], title: str) -> Figure:
    """The rows of a linear classifier's W (C, 3 S S) shown as images: one "template" per class.

    Each row is reshaped to (3, S, S) (the trainer's channel-first flattening) and stretched to
    [0, 1] on its own, so that the pattern the class's score responds to is visible.
    """
    fig = Figure(figsize=(1.1 * len(class_names), 1.75))
    axes = fig.subplots(1, len(class_names), squeeze=False)[0]
    for ax, row, name in zip(axes, weight, class_names):
        template = row.reshape(3, image_size, image_size).transpose(1, 2, 0)
        low, high = template.min(), template.max()
        ax.imshow((template - low) / (high - low + 1e-12))
        ax.set_title(short_name(name), fontsize=7)
        ax.set_axis_off()
    fig.suptitle(title, fontsize=8)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.72, bottom=0.02, wspace=0.08)
    return fig


def train_vs_val_figure(runs: dict[str, dict], title: str) -> Figure:
    """Training and validation accuracy per epoch of each run: the gap between them is overfitting.

    runs: {label: run record}; training accuracy is measured on the augmented batches as trained.
    """
    fig = Figure(figsize=(5.5 * len(runs), 3.4))
    axes = fig.subplots(1, len(runs), squeeze=False)[0]
    for ax, (label, record) in zip(axes, runs.items()):
        epochs = [e["epoch"] for e in record["epochs"]]
        train = [e["train_accuracy"] for e in record["epochs"]]
        val = [e["val_accuracy"] for e in record["epochs"]]
        ax.plot(epochs, train, "o-", markersize=3, color="tab:blue", label="training (augmented batches)")
        ax.plot(epochs, val, "o-", markersize=3, color="tab:red", label="validation")
        ax.fill_between(epochs, train, val, color="tab:grey", alpha=0.15)
        ax.set(title=f"{label}: final gap {train[-1] - val[-1]:+.3f}", xlabel="epoch", ylabel="accuracy",
               ylim=(0, 1))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def confusion_figure(matrix: np.ndarray, class_names: list[str], title: str) -> Figure:
    """The confusion matrix (C, C) ints, rows = true class, columns = predicted class, counts shown."""
    matrix = np.asarray(matrix)
    fig = Figure(figsize=(7.2, 6.2))
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="Blues")
    for i in range(len(class_names)):
        for j in range(len(class_names)):
            if matrix[i, j]:
                ax.text(j, i, matrix[i, j], ha="center", va="center", fontsize=7,
                        color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    names = [name.replace(" (synthetic)", " (s.)") for name in class_names]
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set(xlabel="predicted class", ylabel="true class")
    ax.set_title(title, fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    return fig


def most_confident_mistakes(probabilities: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """Indices of up to ``count`` misclassified images, most confident first, at most two per true class
    (so that the gallery shows many kinds of mistake). probabilities (N, C) float, labels (N,) ints."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    wrong = wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")]
    chosen, per_class = [], {}
    for index in wrong:
        if per_class.get(labels[index], 0) < 2:
            chosen.append(index)
            per_class[labels[index]] = per_class.get(labels[index], 0) + 1
        if len(chosen) == count:
            break
    return np.array(chosen, dtype=np.int64)


def misclassified_figure(images: np.ndarray, labels: np.ndarray, probabilities: np.ndarray,
                         class_names: list[str], title: str, count: int = GALLERY_SIZE) -> Figure:
    """A gallery of the validation images the model got most confidently wrong, each with its true
    class and the predicted class and probability. images (N, S, S, 3) uint8 (S <= 64, drawn pixel
    for pixel), labels (N,) ints, probabilities (N, C) float: the model's softmax output on them."""
    chosen = most_confident_mistakes(probabilities, labels, count)
    columns = 6
    rows = max(1, -(-len(chosen) // columns))
    size = images.shape[1]
    fig, axes = image_grid(rows, columns, size, 136, size + 28, top_px=22, bottom_px=4)
    for ax, index in zip(axes.flat, chosen):
        predicted = int(probabilities[index].argmax())
        ax.imshow(images[index], interpolation="nearest")
        ax.set_title(f"true: {class_names[labels[index]]}\npred: {class_names[predicted]} "
                     f"({probabilities[index, predicted]:.2f})", fontsize=6)
    fig.text(0.5, 0.99, title, ha="center", va="top", fontsize=7)
    return fig


def save_png(fig: Figure, path: Path) -> Path:
    """Save ``fig`` as a PNG with a 256-colour palette (photographs shrink to a third of the size,
    text and lines stay sharp); returns the path."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.open(buffer).convert("RGB").quantize(256, dither=Image.Dither.NONE).save(path, optimize=True)
    return path


def display_images(val_set, display_set) -> np.ndarray:
    """The validation images to show: ``display_set``'s (larger) when it holds the same images in
    the same order as ``val_set``, else ``val_set``'s own."""
    if display_set is not None and np.array_equal(display_set.labels, val_set.labels) \
            and display_set.manifest.get("files_sha256") == val_set.manifest.get("files_sha256"):
        return display_set.images
    return val_set.images


def draw_reference_figures(summary: dict, out: Path, checkpoints: Path, train_set, val_set, args) -> dict:
    """Draw and save every figure of :data:`FIGURES` under ``out``; returns {name: path}.

    summary: :func:`~.reference.load_references`'s; checkpoints: the folder of the runs'
    checkpoints; train_set, val_set: the subsets the runs were trained on; args: the reference
    command's (source, root, workers), to load the larger thumbnails with.
    """
    from autograder.data import load_subset

    data = summary["data"]
    credit = data_credit(data)
    size = data["image_size"]
    names = data["class_names"]
    paths = {name: Path(out) / relative for name, relative in FIGURES.items()}

    def load(split: str, per_class: int | None):
        return load_subset(split, size=THUMBNAIL_SIZE, source=args.source, root=args.root,
                           workers=args.workers, per_class=per_class, progress=False)

    thumbnails = load("train", THUMBNAILS_PER_CLASS)
    save_png(thumbnails_figure(thumbnails.images, thumbnails.labels, names, credit), paths["thumbnails"])

    linear = summary["runs"][max((key for key in summary["runs"] if key.startswith("linear-")),
                                 key=lambda key: summary["runs"][key]["final_val_accuracy"])]
    model, _ = load_checkpoint(Path(checkpoints) / f"{linear['name']}.pt")
    weight = model.fc.weight.detach().double().numpy()
    save_png(linear_templates_figure(weight, size, names, f"What the linear classifier learned: one row of W "
                                                          f"per class, as a {size} x {size} image "
                                                          f"({linear['name']}; {credit})"),
             paths["linear_templates"])

    best = summary["runs"][summary["best_run"]]
    shown = {f"linear ({linear['name']})": linear["record"], f"small CNN ({best['name']})": best["record"]}
    save_png(train_vs_val_figure(shown, f"Training vs. validation accuracy ({credit}, {size} px)"),
             paths["train_vs_val"])

    confusion = summary["confusion"]
    matrix = np.array(confusion["matrix"])
    save_png(confusion_figure(matrix, names, f"{best['name']}: validation accuracy {confusion['accuracy']:.3f} "
                                              f"on {matrix.sum()} images"), paths["confusion"])

    model, record = load_checkpoint(Path(checkpoints) / f"{best['name']}.pt")
    with torch.no_grad():
        probabilities = predict_probabilities(model, val_set.images, record["normalization"])
    shown_images = display_images(val_set, load("val", getattr(args, "per_class", None)))
    save_png(misclassified_figure(shown_images, val_set.labels, probabilities, names,
                                  f"{best['name']}: its most confident mistakes on validation images "
                                  f"(it saw them at {size} px)"), paths["misclassified"])
    return paths
