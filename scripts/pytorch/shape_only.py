"""A stand-in for `torch.nn` that only knows parameter names and shapes.

`medref_torch.py` builds its networks from whatever `nn` it is given.
With this one, `state_dict_shapes(model)` lists the keys and shapes that
`torch.nn` would put in the state dict (registration order, dotted names,
`ModuleList` indices, `None` submodules left out, batch norm's running
statistics and `num_batches_tracked`), so CI can check a
`model.safetensors` against the PyTorch definitions without installing
PyTorch. Only the layers medref's models use are here.
"""


class Module:
    def __init__(self):
        object.__setattr__(self, "_entries", {})

    def __setattr__(self, name, value):
        if isinstance(value, Module) or value is None or isinstance(value, _Tensor):
            self._entries[name] = value
        object.__setattr__(self, name, value)

    def named_shapes(self, prefix=""):
        for name, value in self._entries.items():
            if value is None:
                continue
            if isinstance(value, _Tensor):
                yield prefix + name, value.shape
            else:
                yield from value.named_shapes(f"{prefix}{name}.")


class _Tensor:
    def __init__(self, *shape):
        self.shape = tuple(shape)


class ModuleList(Module):
    def __init__(self, modules=()):
        super().__init__()
        for i, m in enumerate(modules):
            setattr(self, str(i), m)
        object.__setattr__(self, "_items", [m for m in self._entries.values()])

    def __iter__(self):
        return iter(self._items)

    def __getitem__(self, i):
        return self._items[i]

    def __len__(self):
        return len(self._items)


class Linear(Module):
    def __init__(self, n_in, n_out, bias=True):
        super().__init__()
        self.weight = _Tensor(n_out, n_in)
        self.bias = _Tensor(n_out) if bias else None


class _ConvNd(Module):
    def __init__(self, c_in, c_out, kernel, dims, bias):
        super().__init__()
        k = tuple(kernel) if isinstance(kernel, (tuple, list)) else (kernel,) * dims
        self.weight = _Tensor(c_out, c_in, *k)
        self.bias = _Tensor(c_out) if bias else None


class Conv1d(_ConvNd):
    def __init__(self, c_in, c_out, kernel, stride=1, padding=0, dilation=1, bias=True):
        super().__init__(c_in, c_out, kernel, 1, bias)


class Conv2d(_ConvNd):
    def __init__(self, c_in, c_out, kernel, stride=1, padding=0, dilation=1, bias=True):
        super().__init__(c_in, c_out, kernel, 2, bias)


class Conv3d(_ConvNd):
    def __init__(self, c_in, c_out, kernel, stride=1, padding=0, dilation=1, bias=True):
        super().__init__(c_in, c_out, kernel, 3, bias)


class ConvTranspose2d(Module):
    """PyTorch keeps a transposed convolution's weight `[in, out, k, k]`."""

    def __init__(self, c_in, c_out, kernel, stride=1, padding=0, bias=True):
        super().__init__()
        k = tuple(kernel) if isinstance(kernel, (tuple, list)) else (kernel,) * 2
        self.weight = _Tensor(c_in, c_out, *k)
        self.bias = _Tensor(c_out) if bias else None


class _BatchNorm(Module):
    def __init__(self, channels):
        super().__init__()
        self.weight = _Tensor(channels)
        self.bias = _Tensor(channels)
        self.running_mean = _Tensor(channels)
        self.running_var = _Tensor(channels)
        self.num_batches_tracked = _Tensor()


class BatchNorm2d(_BatchNorm):
    pass


class BatchNorm3d(_BatchNorm):
    pass


class Dropout(Module):
    def __init__(self, p=0.5):
        super().__init__()


class _Functional:
    """Forward passes are never run with shapes only."""

    def __getattr__(self, name):
        raise RuntimeError(f"shape_only has no functional {name}: run the forward pass with torch")


F = _Functional()


def state_dict_shapes(model):
    """`{key: shape}` as `model.state_dict()` would hold it in torch."""
    return dict(model.named_shapes())
