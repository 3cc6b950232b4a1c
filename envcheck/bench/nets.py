"""The benchmark's own networks: ResNet-18/34/50 (v1.5) and the classic MNIST CNN.

Runs inside the target interpreter next to ``worker.py`` and needs only torch (no torchvision,
no envcheck imports). The ResNets have exactly the standard parameter counts (ResNet-18
11,689,512; ResNet-34 21,797,672; ResNet-50 25,557,032) so figures compare with published ones.
"v1.5" means the bottleneck's stride sits on its 3x3 convolution, as in torchvision and in
NVIDIA's and MLPerf's ResNet-50 (https://catalog.ngc.nvidia.com/orgs/nvidia/resources/resnet_50_v1_5_for_pytorch).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

MODELS = ("resnet18", "resnet34", "resnet50", "mnist_cnn")
"""Model names the worker accepts."""


def _conv3x3(inp: int, out: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(inp, out, kernel_size=3, stride=stride, padding=1, bias=False)


def _conv1x1(inp: int, out: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(inp, out, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a residual connection (ResNet-18/34)."""

    expansion = 1

    def __init__(self, inp: int, width: int, stride: int, downsample: nn.Module | None) -> None:
        super().__init__()
        self.conv1 = _conv3x3(inp, width, stride)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = _conv3x3(width, width)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = self.bn2(self.conv2(out))
        return F.relu(out + identity, inplace=True)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (carrying the stride: v1.5), 1x1 expand, residual (ResNet-50)."""

    expansion = 4

    def __init__(self, inp: int, width: int, stride: int, downsample: nn.Module | None) -> None:
        super().__init__()
        self.conv1 = _conv1x1(inp, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = _conv3x3(width, width, stride)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = _conv1x1(width, width * self.expansion)
        self.bn3 = nn.BatchNorm2d(width * self.expansion)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = F.relu(self.bn2(self.conv2(out)), inplace=True)
        out = self.bn3(self.conv3(out))
        return F.relu(out + identity, inplace=True)


class ResNet(nn.Module):
    """An ImageNet ResNet: stem, four stages of residual blocks, global pool, 1000-way linear."""

    def __init__(self, block: type[BasicBlock | Bottleneck], layers: tuple[int, ...]) -> None:
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._stage(block, 64, layers[0], 1)
        self.layer2 = self._stage(block, 128, layers[1], 2)
        self.layer3 = self._stage(block, 256, layers[2], 2)
        self.layer4 = self._stage(block, 512, layers[3], 2)
        self.fc = nn.Linear(512 * block.expansion, 1000)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def _stage(
        self, block: type[BasicBlock | Bottleneck], width: int, count: int, stride: int
    ) -> nn.Sequential:
        downsample: nn.Module | None = None
        out = width * block.expansion
        if stride != 1 or self.inplanes != out:
            downsample = nn.Sequential(_conv1x1(self.inplanes, out, stride), nn.BatchNorm2d(out))
        blocks: list[nn.Module] = [block(self.inplanes, width, stride, downsample)]
        self.inplanes = out
        blocks += [block(out, width, 1, None) for _ in range(1, count)]
        return nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(F.relu(self.bn1(self.conv1(x)), inplace=True))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


class MnistCNN(nn.Module):
    """The classic small MNIST network: conv 1->10 k5, pool, conv 10->20 k5, pool, linear 320->10.

    A ReLU follows each max-pool, as in the PyTorch examples' original net (8,490 parameters).
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.fc = nn.Linear(320, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        return self.fc(torch.flatten(x, 1))


def build(name: str) -> nn.Module:
    """A freshly initialised network by name (one of :data:`MODELS`)."""
    if name == "resnet18":
        return ResNet(BasicBlock, (2, 2, 2, 2))
    if name == "resnet34":
        return ResNet(BasicBlock, (3, 4, 6, 3))
    if name == "resnet50":
        return ResNet(Bottleneck, (3, 4, 6, 3))
    if name == "mnist_cnn":
        return MnistCNN()
    raise ValueError(f"unknown model {name!r}: choose from {', '.join(MODELS)}")


def input_shape(name: str, image_size: int | None = None) -> tuple[int, int, int]:
    """(channels, height, width) of one input image; ResNets default to 224x224."""
    if name == "mnist_cnn":
        return (1, 28, 28)
    size = image_size or 224
    return (3, size, size)


def num_outputs(name: str) -> int:
    """How many logits the network produces."""
    return 10 if name == "mnist_cnn" else 1000


def parameter_count(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
