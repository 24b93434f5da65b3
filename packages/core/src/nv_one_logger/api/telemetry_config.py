"""What a domain library (for example a training-telemetry layer) tells OneLogger about the application.

``TelemetryConfig`` is a ``Protocol`` rather than a base class so that domain libraries can satisfy it with
their own pydantic models or dataclasses without depending on a OneLogger class hierarchy. It is
runtime-checkable, so ``OneLoggerConfig`` can reject an object that lacks one of the properties.
"""

from typing import Dict, Optional, Protocol, runtime_checkable

from nv_one_logger.core.attributes import AttributeValue
from nv_one_logger.core.str_enum import StrEnum


class ApplicationType(StrEnum):
    """The kind of job being recorded (members compare equal to their string values)."""

    TRAINING = "training"
    VALIDATION = "validation"
    BATCH_INFERENCE = "batch_inference"
    ONLINE_INFERENCE = "online_inference"
    DATA_PROCESSING = "data_processing"


@runtime_checkable
class TelemetryConfig(Protocol):
    """Application-specific switches and metadata supplied by a domain library."""

    @property
    def is_train_iterations_enabled(self) -> bool:
        """Whether training iterations are recorded."""
        ...

    @property
    def is_validation_iterations_enabled(self) -> bool:
        """Whether validation iterations are recorded."""
        ...

    @property
    def is_test_iterations_enabled(self) -> bool:
        """Whether test iterations are recorded."""
        ...

    @property
    def is_save_checkpoint_enabled(self) -> bool:
        """Whether checkpoint saving is recorded."""
        ...

    @property
    def app_type(self) -> ApplicationType:
        """The kind of application."""
        ...

    @property
    def custom_metadata(self) -> Optional[Dict[str, AttributeValue]]:
        """Extra key/value pairs describing the application, or None."""
        ...
