"""Reads a run folder with TensorBoard's own readers and prints what each one holds.

    python3 tests/data/tb_read.py DIR

One line per point, tab-separated, for three readers: `plain`, TensorBoard's `EventAccumulator`
(what scripts use); `plugin`, its `plugin_event_accumulator` (what `tensorboard
--load_fast=false` serves, with every summary turned into a tensor by its data_compat); and
`server`, the Rust data server that `tensorboard --logdir` serves from by default (the
tensorboard-data-server package's binary, queried over gRPC as TensorBoard does; where it is
missing a line `# no data server: WHY` stands for its points):

    READER scalar TAG STEP VALUE              (VALUE: Python's repr of the float32 as a double)
    READER image  TAG STEP WIDTH HEIGHT PNG   (PNG: hex)
    READER text   TAG STEP TEXT               (TEXT: hex of its UTF-8)

All keep every point (size guidance 0, samples per plugin `all`), and the Python ones purge
orphaned data, as TensorBoard does by default.
"""

import sys
import time

from tensorboard.backend.event_processing import event_accumulator, plugin_event_accumulator
from tensorboard import context
from tensorboard.data import server_ingester
from tensorboard.util import grpc_util, tensor_util


def out(*fields):
    print("\t".join(str(f) for f in fields))


def plain(path):
    size = {event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0, event_accumulator.TENSORS: 0}
    acc = event_accumulator.EventAccumulator(path, size_guidance=size)
    acc.Reload()
    tags = acc.Tags()
    for tag in tags["scalars"]:
        for e in acc.Scalars(tag):
            out("plain", "scalar", tag, e.step, repr(e.value))
    for tag in tags["images"]:
        for e in acc.Images(tag):
            out("plain", "image", tag, e.step, e.width, e.height, e.encoded_image_string.hex())
    for tag in tags["tensors"]:
        plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
        assert plugin == "text", f"{tag}: a tensor of plugin {plugin!r}"
        for e in acc.Tensors(tag):
            out("plain", "text", tag, e.step, tensor_util.make_ndarray(e.tensor_proto).item().hex())


def plugin(path):
    acc = plugin_event_accumulator.EventAccumulator(path, size_guidance={plugin_event_accumulator.TENSORS: 0})
    acc.Reload()
    for tag in acc.Tags()["tensors"]:
        plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
        for e in acc.Tensors(tag):
            value = tensor_util.make_ndarray(e.tensor_proto)
            if plugin == "scalars":
                out("plugin", "scalar", tag, e.step, repr(float(value.item())))
            elif plugin == "images":
                width, height, png = value.tolist()
                out("plugin", "image", tag, e.step, int(width), int(height), png.hex())
            elif plugin == "text":
                out("plugin", "text", tag, e.step, value.item().hex())
            else:
                raise AssertionError(f"{tag}: a tensor of plugin {plugin!r}")


def server(path):
    try:
        binary = server_ingester.get_server_binary()
    except Exception as e:
        print(f"# no data server: {e}")
        return
    samples = {"scalars": 0, "images": 0, "text": 0}
    creds = grpc_util.ChannelCredsType.LOCAL
    ingester = server_ingester.SubprocessServerDataIngester(
        binary, path, reload_interval=0, channel_creds_type=creds, samples_per_plugin=samples
    )
    ingester.start()
    provider, ctx, every = ingester.data_provider, context.RequestContext(), 10**9
    # The server loads once (a whole run at a time) and answers meanwhile: wait for the run.
    for _ in range(100):
        if provider.list_runs(ctx, experiment_id=""):
            break
        time.sleep(0.1)
    for run in provider.read_scalars(ctx, experiment_id="", plugin_name="scalars", downsample=every).values():
        for tag, points in run.items():
            for p in points:
                out("server", "scalar", tag, p.step, repr(p.value))
    for run in provider.read_blob_sequences(ctx, experiment_id="", plugin_name="images", downsample=every).values():
        for tag, points in run.items():
            for p in points:
                width, height, png = (provider.read_blob(ctx, blob_key=blob.blob_key) for blob in p.values)
                out("server", "image", tag, p.step, int(width), int(height), png.hex())
    for run in provider.read_tensors(ctx, experiment_id="", plugin_name="text", downsample=every).values():
        for tag, points in run.items():
            for p in points:
                out("server", "text", tag, p.step, p.numpy.item().hex())


if __name__ == "__main__":
    plain(sys.argv[1])
    plugin(sys.argv[1])
    server(sys.argv[1])
