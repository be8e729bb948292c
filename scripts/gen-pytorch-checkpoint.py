#!/usr/bin/env python3
"""PyTorch <-> bnc checkpoints, both ways, without the safetensors package
(Debian does not ship it): the format is written and read here by hand,
exactly as safetensors.torch.save_file / load_file do it.

    /usr/bin/python3 scripts/gen-pytorch-checkpoint.py
        writes tests/unit/Inputs/pytorch_conv_bn.safetensors: the state_dict
        of a PyTorch conv -> BN block (the shapes of
        examples/models/conv_bn_relu_nchw.mlir) with known values, which
        tests/unit/CheckpointTest.cpp loads.

    /usr/bin/python3 scripts/gen-pytorch-checkpoint.py --check FILE.safetensors
        loads a checkpoint bnc wrote into that PyTorch module with
        load_state_dict(strict=True) and prints its BN statistics.

Needs PyTorch (python3-torch); the build and the tests do not.
"""
import json
import os
import struct
import sys

import torch
from torch import nn

DTYPES = {torch.float32: "F32", torch.int64: "I64"}


class ConvBn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16)


def save(state_dict, path):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, tensor in state_dict.items():
        data = tensor.contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def load(path):
    with open(path, "rb") as f:
        blob = f.read()
    (size,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + size])
    data = blob[8 + size:]
    by_name = {"F32": torch.float32, "I64": torch.int64}
    result = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        tensor = torch.frombuffer(bytearray(data[begin:end]), dtype=by_name[entry["dtype"]])
        result[name] = tensor.reshape(entry["shape"])
    return result


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        model = ConvBn()
        model.load_state_dict(load(sys.argv[2]), strict=True)
        print("PyTorch loaded", sys.argv[2], "strictly")
        print("bn.running_mean", model.bn.running_mean.tolist())
        print("bn.running_var", model.bn.running_var.tolist())
        print("bn.num_batches_tracked", int(model.bn.num_batches_tracked))
        return
    model = ConvBn()
    with torch.no_grad():
        # Values a test can recompute: element i of each tensor.
        model.conv.weight.copy_(torch.arange(16 * 27, dtype=torch.float32).reshape(16, 3, 3, 3) / 100)
        model.bn.weight.copy_(1 + torch.arange(16, dtype=torch.float32) / 10)
        model.bn.bias.copy_(-torch.arange(16, dtype=torch.float32) / 20)
        model.bn.running_mean.copy_(torch.arange(16, dtype=torch.float32) / 4)
        model.bn.running_var.copy_(2 + torch.arange(16, dtype=torch.float32))
        model.bn.num_batches_tracked.fill_(7)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    save(model.state_dict(), os.path.join(root, "tests", "unit", "Inputs", "pytorch_conv_bn.safetensors"))


if __name__ == "__main__":
    main()
