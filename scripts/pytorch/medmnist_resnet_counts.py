"""Parameter counts of MedMNIST v2's ResNet-18/50 (28-pixel builds), for the
constants in crates/medref-models/src/medmnist_resnet/tests.rs.

The paper's models.py is torchvision's ResNet with a 3x3 stride-1 stem and
no max-pool; its "+3D" rows convert every Conv2d kxk to Conv3d kxkxk and
BatchNorm2d to BatchNorm3d (ACSConv's Conv3dConverter). Needs torch and
torchvision: python scripts/pytorch/medmnist_resnet_counts.py
"""

import torch
import torchvision
from torch import nn


def to_3d(module):
    for name, child in module.named_children():
        if isinstance(child, nn.Conv2d):
            k, s, p = child.kernel_size[0], child.stride[0], child.padding[0]
            setattr(module, name, nn.Conv3d(child.in_channels, child.out_channels, k, s, p, bias=False))
        elif isinstance(child, nn.BatchNorm2d):
            setattr(module, name, nn.BatchNorm3d(child.num_features))
        else:
            to_3d(child)


def build(name, in_channels, n_classes, volumes):
    model = getattr(torchvision.models, name)(num_classes=n_classes)
    model.conv1 = nn.Conv2d(in_channels, 64, 3, 1, 1, bias=False)
    model.maxpool = nn.Identity()
    if volumes:
        to_3d(model)
        model.avgpool = nn.AdaptiveAvgPool3d(1)
    return model


for name in ("resnet18", "resnet50"):
    for in_channels, n_classes, volumes in ((1, 2, False), (3, 8, False), (1, 2, True)):
        model = build(name, in_channels, n_classes, volumes).eval()
        shape = (2, in_channels) + (28,) * (3 if volumes else 2)
        assert model(torch.zeros(shape)).shape == (2, n_classes)
        count = sum(p.numel() for p in model.parameters())
        print(f"{name} {'3d' if volumes else '2d'} in={in_channels} classes={n_classes}: {count}")
