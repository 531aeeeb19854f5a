"""Command line: python3 -m rpnt {pretrain,finetune,evaluate,baseline,export} (run from training/)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from .config import DEFAULT_CONFIG, load_config
from .data import DEFAULT_DATASET, load_dataset


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", default=DEFAULT_DATASET,
                   help="dataset directory (manifest.json, spike_counts_u8.bin, kinematics_f64.bin); "
                        "default: <repo>/../shared/data/m1-stevenson2011-centerout/derived")
    p.add_argument("--config", default=DEFAULT_CONFIG, help="YAML config (default configs/rpnt-m1.yaml)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override a config value, e.g. --set model.context_attention=false (repeatable)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m rpnt", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("pretrain", help="self-supervised pretraining on the training split's spikes")
    _common(p)
    p.add_argument("--out", required=True, help="run directory (checkpoint.pt, metrics.json)")

    p = sub.add_parser("finetune", help="supervised training: scratch, few-shot or full fine-tuning")
    _common(p)
    p.add_argument("--out", required=True)
    p.add_argument("--regime", choices=["scratch", "few-shot", "full"], required=True)
    p.add_argument("--init", help="pretrained checkpoint (required for few-shot and full)")
    p.add_argument("--fraction", type=float, default=1.0,
                   help="fraction of the training split used, taken from its start (few-shot: 0.1 or 0.2)")

    p = sub.add_parser("evaluate", help="print JSON test (and validation) R^2 on the last bin of each window")
    _common(p)
    p.add_argument("--checkpoint", required=True)

    p = sub.add_parser("baseline", help="fit and evaluate a baseline (ridge, kalman, gru) on the same splits")
    _common(p)
    p.add_argument("--model", choices=["ridge", "kalman", "gru"], required=True)
    p.add_argument("--out", help="where to write metrics.json (optional)")

    p = sub.add_parser("export", help="ONNX (opset 17), model card and golden file")
    _common(p)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--out-dir", default=os.path.join(os.path.dirname(__file__), "..", "..", "models"))
    p.add_argument("--name", help="model name (default: config name)")
    p.add_argument("--command", dest="train_command", default="",
                   help="the training command line, recorded in the model card")

    args = ap.parse_args(argv)
    import torch  # imported late so that --help is fast

    if args.command == "evaluate":
        from .train import Data, evaluate_split, load_model
        torch.set_num_threads(2)
        model, ckpt = load_model(args.checkpoint)
        cfg = ckpt["config"]
        data = Data(load_dataset(args.dataset, targets=cfg["data"]["targets"]), cfg)
        res = {"checkpoint": args.checkpoint, "evaluated_on": "last bin of each window",
               "test": evaluate_split(model, data, "test"), "val": evaluate_split(model, data, "val")}
        print(json.dumps(res, indent=2))
        return 0

    if args.command == "export":
        # The window, targets and split come from the checkpoint's own config, not from --config.
        cfg = torch.load(args.checkpoint, map_location="cpu")["config"]
    else:
        cfg = load_config(args.config, args.set)
    from .train import Data
    data = Data(load_dataset(args.dataset, targets=cfg["data"]["targets"]), cfg)
    if args.command == "pretrain":
        from .train import pretrain
        os.makedirs(args.out, exist_ok=True)
        res = pretrain(cfg, data, args.out)
        print(json.dumps({k: v for k, v in res.items() if k != "history"}, indent=2))
    elif args.command == "finetune":
        from .train import finetune
        os.makedirs(args.out, exist_ok=True)
        res = finetune(cfg, data, args.out, regime=args.regime, init=args.init, fraction=args.fraction)
        print(json.dumps({k: v for k, v in res.items() if k != "history"}, indent=2))
    elif args.command == "baseline":
        from .baselines import run_baseline
        res = run_baseline(args.model, cfg, data)
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            with open(os.path.join(args.out, "metrics.json"), "w") as f:
                json.dump(res, f, indent=2)
        print(json.dumps(res, indent=2))
    elif args.command == "export":
        from .export import export_model
        res = export_model(args.checkpoint, data, out_dir=os.path.abspath(args.out_dir), name=args.name,
                           command=args.train_command)
        print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
