"""The support services a platform node runs with, built once from the settings: object storage for
materials (sealed at rest), the e-licence library, phone-upload sessions."""

from dataclasses import dataclass

from govkiosk.platform.core.sealing import Sealer
from govkiosk.platform.core.settings import Settings
from govkiosk.platform.support.elicence import HttpLicenceLibrary, LicenceLibrary, SimulatedLicenceLibrary
from govkiosk.platform.support.phone_upload import InMemoryUploadSessionStore, PhoneUploads
from govkiosk.platform.support.storage import LocalStore, ObjectStore, S3Store, SealedStore, SigV4Credentials


@dataclass
class Support:
    """What a node's requests use from the common support layer (公共支撑平台)."""

    store: ObjectStore
    licences: LicenceLibrary
    uploads: PhoneUploads
    max_bytes: int


def build_support(settings: Settings, sealer: Sealer) -> Support:
    """The node's support services, as the settings ask; materials are sealed with `sealer`."""
    store: ObjectStore
    if settings.materials_backend == "s3":
        credentials = SigV4Credentials(
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key.get_secret_value(),
            region=settings.s3_region,
        )
        store = S3Store(endpoint=settings.s3_endpoint, bucket=settings.s3_bucket, credentials=credentials)
    else:
        store = LocalStore(settings.materials_dir)
    store = SealedStore(store, sealer)
    licences: LicenceLibrary = (
        HttpLicenceLibrary(base_url=settings.elicence_base_url, timeout_s=settings.elicence_timeout_s)
        if settings.elicence_backend == "http"
        else SimulatedLicenceLibrary()
    )
    max_bytes = settings.materials_max_mb * 1024 * 1024
    # One node keeps phone-upload sessions in memory: the kiosk polls the node that created the session.
    uploads = PhoneUploads(
        store=store,
        sessions=InMemoryUploadSessionStore(),
        public_base_url=settings.public_base_url,
        max_bytes=max_bytes,
    )
    return Support(store=store, licences=licences, uploads=uploads, max_bytes=max_bytes)
